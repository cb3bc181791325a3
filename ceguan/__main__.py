from ceguan.cli import main

main()
