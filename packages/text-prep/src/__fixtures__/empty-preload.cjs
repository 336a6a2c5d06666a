// A --require preload for the built-package test: the worker threads must start without it.
