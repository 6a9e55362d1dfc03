from jixiao.processor.template.project_form import main

raise SystemExit(main())
