"""S3 behaviour on top of moto's store: asynchronous event notifications to Lambda."""
