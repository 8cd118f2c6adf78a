"""Redaction of personal data before a request leaves, and its restoration in results."""
from gateway import WorkOrder
from gateway.redaction import redact

ORDER = WorkOrder(
    description=("Customer: Maria Lopez (maria.lopez@example.com, 415-555-0134) says her 2016 Honda Civic "
                 "VIN 2HGFC2F59GH512345 plate 7ABC 123 grinds. Call Maria at +1 (415) 555 0134 or "
                 "Mr. Dawson at 650.555.0199, dawson@fleet.example. Spare car VIN 1FTFW1ET5DFC10312, reg XY12 ABC."),
    customer_name="Maria Lopez", phone="+1 415 555 0134", email="maria.lopez@example.com",
    vin="2HGFC2F59GH512345", plate="7ABC123")


def test_known_values_and_patterns_are_replaced_by_placeholders():
    r = redact(ORDER)
    assert r.text == (
        "Customer: [NAME_1] ([EMAIL_1], [PHONE_1]) says her 2016 Honda Civic VIN [VIN_1] plate [PLATE_1] grinds. "
        "Call [NAME_2] at [PHONE_1] or Mr. [NAME_3] at [PHONE_2], [EMAIL_2]. "
        "Spare car VIN [VIN_2], reg [PLATE_2].")
    assert r.originals["[NAME_1]"] == "Maria Lopez" and r.originals["[VIN_1]"] == "2HGFC2F59GH512345"
    assert r.originals["[PLATE_1]"] == "7ABC123" and r.originals["[PHONE_2]"] == "650.555.0199"


def test_restore_round_trips_nested_results():
    r = redact(ORDER)
    result = {"asset": {"vin": "[VIN_1]", "plate": "[PLATE_2]", "year": 2016},
              "notes": ["call [NAME_1] on [PHONE_1]", "unknown [VIN_9] stays"]}
    assert r.restore(result) == {"asset": {"vin": "2HGFC2F59GH512345", "plate": "XY12 ABC", "year": 2016},
                                 "notes": ["call Maria Lopez on +1 415 555 0134", "unknown [VIN_9] stays"]}


def test_text_without_personal_data_is_unchanged():
    text = "2019 Subaru Outback oil change, 42,000 miles, 5W-30 synthetic. No rush."
    r = redact(WorkOrder(description=text))
    assert r.text == text and r.originals == {}


def test_record_values_are_found_whatever_their_spelling_in_the_text():
    order = WorkOrder("Plate 7-abc-123, vin 2hgfc2f59gh512345, phone 415.555-0134, MARIA LOPEZ called.",
                      customer_name="Maria Lopez", phone="4155550134", vin="2HGFC2F59GH512345", plate="7ABC123")
    text = redact(order).text
    assert text == "Plate [PLATE_1], vin [VIN_1], phone [PHONE_1], [NAME_1] called."
