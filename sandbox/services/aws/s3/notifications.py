"""Bucket notification rules that name Lambda functions: kept by us, not by moto.

moto would run such a rule itself, synchronously inside PutObject (trying Docker, logging its failure into
the function's log group). So the S3 provider takes the Lambda rules out of PutBucketNotificationConfiguration
before moto sees it (queue and topic rules stay moto's, and moto delivers those), keeps them here, adds them
back to GetBucketNotificationConfiguration, and dispatches the events through our Lambda runtime.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

NS = "http://s3.amazonaws.com/doc/2006-03-01/"
ET.register_namespace("", NS)

VALID_EVENTS = {
    "s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Post", "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload", "s3:ObjectRemoved:*", "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated", "s3:ObjectRestore:*", "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed", "s3:ObjectTagging:*", "s3:ObjectTagging:Put", "s3:ObjectTagging:Delete",
    "s3:ObjectAcl:Put", "s3:ReducedRedundancyLostObject", "s3:LifecycleExpiration:*",
}  # fmt: skip


class InvalidConfiguration(Exception):
    pass


@dataclass(frozen=True)
class LambdaRule:
    id: str
    function_arn: str
    events: tuple[str, ...]
    filters: tuple[tuple[str, str], ...] = field(default=())  # (prefix|suffix, value)

    def matches(self, event: str, key: str) -> bool:
        """`event` is e.g. "s3:ObjectCreated:Put"."""
        family = event.rsplit(":", 1)[0] + ":*"
        if event not in self.events and family not in self.events:
            return False
        for name, value in self.filters:
            if name == "prefix" and not key.startswith(value):
                return False
            if name == "suffix" and not key.endswith(value):
                return False
        return True

    def to_xml(self) -> ET.Element:
        element = ET.Element(f"{{{NS}}}CloudFunctionConfiguration")
        ET.SubElement(element, f"{{{NS}}}Id").text = self.id
        ET.SubElement(element, f"{{{NS}}}CloudFunction").text = self.function_arn
        for event in self.events:
            ET.SubElement(element, f"{{{NS}}}Event").text = event
        if self.filters:
            key = ET.SubElement(ET.SubElement(element, f"{{{NS}}}Filter"), f"{{{NS}}}S3Key")
            for name, value in self.filters:
                rule = ET.SubElement(key, f"{{{NS}}}FilterRule")
                ET.SubElement(rule, f"{{{NS}}}Name").text = name
                ET.SubElement(rule, f"{{{NS}}}Value").text = value
        return element


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(element: ET.Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return None


def split(body: bytes) -> tuple[list[LambdaRule], bytes]:
    """The request's Lambda rules, and the request without them (for moto)."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return [], body  # moto answers MalformedXML
    rules = []
    for element in list(root):
        if _local(element.tag) != "CloudFunctionConfiguration":
            continue
        root.remove(element)
        events = tuple(e.text.strip() for e in element if _local(e.tag) == "Event" and e.text)
        unknown = [e for e in events if e not in VALID_EVENTS]
        if unknown or not events:
            raise InvalidConfiguration(
                f"The event is not supported for notifications: {', '.join(unknown) or '(none)'}"
            )
        filters = tuple(
            ((_text(rule, "Name") or "").lower(), _text(rule, "Value") or "")
            for rule in element.iter()
            if _local(rule.tag) == "FilterRule"
        )
        rules.append(
            LambdaRule(
                id=_text(element, "Id") or secrets.token_urlsafe(12),
                function_arn=_text(element, "CloudFunction") or "",
                events=events,
                filters=filters,
            )
        )
    return rules, ET.tostring(root, xml_declaration=False)


def merge(moto_xml: bytes, rules: list[LambdaRule]) -> bytes:
    """moto's GetBucketNotificationConfiguration answer with our Lambda rules added."""
    if not rules:
        return moto_xml
    try:
        root = ET.fromstring(moto_xml)
    except ET.ParseError:
        root = ET.Element(f"{{{NS}}}NotificationConfiguration")
    for rule in rules:
        root.append(rule.to_xml())
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root)
