# Loads the harness pytest plugin; it stays inert unless --lab-config is given.
pytest_plugins = ["harness.plugin"]
