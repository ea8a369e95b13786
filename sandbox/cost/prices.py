"""AWS Lambda on-demand prices, us-east-1, first pricing tier.

Source: the AWS Lambda pricing page, https://aws.amazon.com/lambda/pricing/ (US East (N. Virginia)), as of
2026-11-26. The page renders its rate table in the browser, so the figures were cross-checked against AWS's
whitepaper "How AWS Pricing Works", Lambda chapter (https://docs.aws.amazon.com/whitepapers/latest/
how-aws-pricing-works/lambda.html: $0.20 per 1M requests, $0.00001667 per GB-second) and published
transcriptions of the page (x86_64 $0.0000166667 and arm64 $0.0000133334 per GB-second for the first
6 billion / 7.5 billion GB-seconds a month).

Left out on purpose: the free tier (1M requests and 400,000 GB-seconds a month), the cheaper tiers above
6 billion GB-seconds, ephemeral storage above 512 MB, provisioned concurrency and Savings Plans. A lab
compares memory sizes against each other, and those terms do not change which size is cheapest per call.
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCE_URL = "https://aws.amazon.com/lambda/pricing/"
REGION = "us-east-1"
AS_OF = "2026-11-26"
MB_PER_GB = 1024  # Lambda bills memory in GiB: 512 MB is 0.5 GB on the pricing page's own examples


@dataclass(frozen=True)
class LambdaPrice:
    architecture: str
    per_gb_second: float  # USD
    per_request: float  # USD

    def invocation(self, billed_ms: float, memory_mb: int) -> float:
        """What one invocation costs: billed seconds × memory in GB × the GB-second rate, plus the request."""
        return billed_ms / 1000 * memory_mb / MB_PER_GB * self.per_gb_second + self.per_request


PER_REQUEST = 0.20 / 1_000_000

LAMBDA_PRICES: dict[str, LambdaPrice] = {
    "x86_64": LambdaPrice("x86_64", per_gb_second=0.0000166667, per_request=PER_REQUEST),
    "arm64": LambdaPrice("arm64", per_gb_second=0.0000133334, per_request=PER_REQUEST),
}

ARCHITECTURES: tuple[str, ...] = tuple(LAMBDA_PRICES)


@dataclass(frozen=True)
class Cost:
    per_invocation: float
    per_million: float


def price(billed_ms: float, memory_mb: int, architecture: str) -> Cost:
    each = LAMBDA_PRICES[architecture].invocation(billed_ms, memory_mb)
    return Cost(per_invocation=each, per_million=each * 1_000_000)


def parse_architectures(text: str) -> list[str]:
    """The architectures in e.g. "x86_64, arm64". Raises ValueError naming any we have no price for."""
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [arch for arch in chosen if arch not in LAMBDA_PRICES]
    if unknown or not chosen:
        raise ValueError(f"{', '.join(unknown) or text!r}: choose from {', '.join(ARCHITECTURES)}")
    return list(dict.fromkeys(chosen))


def source_note() -> str:
    return f"AWS Lambda pricing, {REGION}, first tier, as of {AS_OF} ({SOURCE_URL})"


def citation() -> dict[str, str]:
    return {"source": SOURCE_URL, "region": REGION, "as_of": AS_OF, "note": source_note()}
