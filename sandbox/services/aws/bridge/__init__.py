"""Typed accessors to moto's backends: how our providers read control-plane state that moto stores
(functions, buckets, REST APIs) and write into the services moto runs (logs, queues, topics).

Only this package imports moto's model modules, so an upgrade of moto touches one place.
"""
