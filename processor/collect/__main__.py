import sys

from jixiao.processor.collect.cli import main

sys.exit(main())
