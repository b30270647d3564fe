"""Chapter experiments at CPU scale: small networks and measurements that isolate one idea each.

One module per chapter (``alexnet``, ``zfnet``, ...); import the module you need, e.g.
``from classic_cnn.experiments import alexnet``.
"""
