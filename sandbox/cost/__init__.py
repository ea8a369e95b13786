"""What things would cost on AWS: price tables with their source and date, and the Lambda memory tuner."""
