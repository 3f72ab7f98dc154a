from prao.cli import main

main()
