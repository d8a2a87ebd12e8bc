from kgan.cli import main

main()
