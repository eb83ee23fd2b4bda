from heard.cli.main import run; run()
