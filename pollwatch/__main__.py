from pollwatch.cli import main

main()
