"""The project model and the services that read it: index, symbols, resolution, graph."""
