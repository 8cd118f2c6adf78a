"""HMAC signatures shared by inbound and outbound webhooks."""
import pytest

from bayflow import signing

SECRET = "s3cret-s3cret-s3cret"
BODY = b'{"id":"evt_1","type":"parts.arrived"}'


def test_signed_headers_verify():
    headers = signing.sign(SECRET, BODY, timestamp=1_800_000_000)
    assert headers[signing.SIGNATURE_HEADER].startswith("v1=")
    assert signing.verify(SECRET, BODY, headers[signing.TIMESTAMP_HEADER], headers[signing.SIGNATURE_HEADER],
                          tolerance_s=300, now=1_800_000_100) == 1_800_000_000


@pytest.mark.parametrize("change", ["body", "secret", "timestamp"])
def test_any_change_breaks_the_signature(change):
    headers = signing.sign(SECRET, BODY, timestamp=1_800_000_000)
    body = BODY + b" " if change == "body" else BODY
    secret = SECRET + "x" if change == "secret" else SECRET
    ts = "1800000001" if change == "timestamp" else headers[signing.TIMESTAMP_HEADER]
    with pytest.raises(signing.SignatureError, match="does not match"):
        signing.verify(secret, body, ts, headers[signing.SIGNATURE_HEADER], tolerance_s=300, now=1_800_000_000)


def test_stale_and_future_timestamps_are_refused():
    headers = signing.sign(SECRET, BODY, timestamp=1_800_000_000)
    for now in (1_800_000_301, 1_799_999_699):
        with pytest.raises(signing.SignatureError, match="replay window"):
            signing.verify(SECRET, BODY, headers[signing.TIMESTAMP_HEADER], headers[signing.SIGNATURE_HEADER],
                           tolerance_s=300, now=now)


def test_one_of_several_signatures_may_match_during_rotation():
    good = signing.signature(SECRET, 1_800_000_000, BODY)
    header = f"v1={'0' * 64}, v1={good}"
    assert signing.verify(SECRET, BODY, "1800000000", header, tolerance_s=300, now=1_800_000_000)


@pytest.mark.parametrize("ts, sig, message", [
    (None, "v1=ab", "missing X-Bayflow-Timestamp"),
    ("1800000000", None, "missing X-Bayflow-Signature"),
    ("yesterday", "v1=ab", "integer"),
    ("1800000000", "sha1=ab", "no v1= signature"),
])
def test_malformed_headers_are_named(ts, sig, message):
    with pytest.raises(signing.SignatureError, match=message):
        signing.verify(SECRET, BODY, ts, sig, tolerance_s=300, now=1_800_000_000)
