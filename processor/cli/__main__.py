from jixiao.processor.cli.main import main

raise SystemExit(main())
