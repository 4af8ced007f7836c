from insights.cli import main

raise SystemExit(main())
