"""The audit workflow: load and check every input, collect, evaluate, apply waivers, record, and the exit code.

``workflow.audit`` takes a request and gives an outcome; the CLI's ``scan`` and ``collect``, and any runner of
many sites, call it and only print what it gives.
"""
