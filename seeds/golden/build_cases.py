"""Writes seeds/golden/cases/*.json from the hand-written table below (run once; the
JSON files are committed and the tests read only them).

Each case: a work order (some with customer PII in the text), what we expect (canned
jobs the demo planner should pick, skills a correct plan uses, asset details), and the
provider responses recorded for the fake server, by purpose and provider. The plan
responses are the expected jobs' tasks as a model wrote them (keys renamed, durations
varied); the scenario decides which invalid / refused / overloaded replies come first.

    .venv/bin/python seeds/golden/build_cases.py
"""
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from gateway.canned import load_canned_jobs  # noqa: E402
from gateway.redaction import redact  # noqa: E402
from gateway.shop import WorkOrder  # noqa: E402

JOBS = {job.id: job for job in load_canned_jobs(HERE.parent / "canned_jobs.json")}

# id, scenario, description, PII fields, expected canned jobs, expected asset, urgency, category
CASES = [
    ("g01", "valid", "2016 Honda Civic, front brakes squeal when braking, pads probably worn. Customer Maria Lopez, 415-555-0134.",
     {"customer_name": "Maria Lopez", "phone": "415-555-0134"}, ["brake_pads_front"], {"make": "Honda", "model": "Civic", "year": 2016}, "normal", "brakes"),
    ("g02", "valid", "Grinding noise when braking on my 2012 Toyota Camry, 143,000 miles. Metal on metal sound from the front left.",
     {}, ["brake_pads_rotors"], {"make": "Toyota", "model": "Camry", "year": 2012, "mileage": 143000}, "high", "brakes"),
    ("g03", "valid", "Oil change please, 2019 Subaru Outback, synthetic. No rush, can drop off Tuesday.",
     {}, ["oil_change"], {"make": "Subaru", "model": "Outback", "year": 2019}, "low", "maintenance"),
    ("g04", "repaired", "Check engine light came on yesterday on the 2014 Ford Escape, runs rough at idle. VIN 1FMCU9GX5EUA12345.",
     {"vin": "1FMCU9GX5EUA12345"}, ["check_engine_diag"], {"make": "Ford", "model": "Escape", "year": 2014, "vin": "1FMCU9GX5EUA12345"}, "high", "diagnostics"),
    ("g05", "valid", "Timing belt due at 105k on our 2010 Honda Odyssey (104,800 mi). Please do the water pump at the same time.",
     {}, ["timing_belt"], {"make": "Honda", "model": "Odyssey", "year": 2010, "mileage": 104800}, "normal", "engine"),
    ("g06", "valid", "AC blowing warm air in the 2017 Hyundai Elantra. Customer wants it done before the heatwave this weekend. Reach her at jen.park@example.com.",
     {"customer_name": "Jennifer Park", "email": "jen.park@example.com"}, ["ac_recharge"], {"make": "Hyundai", "model": "Elantra", "year": 2017}, "high", "hvac"),
    ("g07", "valid", "Tire rotation and balance on a 2020 Tesla Model 3, steering wheel shake at highway speed.",
     {}, ["tire_rotation_balance"], {"make": "Tesla", "year": 2020}, "normal", "tires"),
    ("g08", "storm", "Dead battery, car won't start, clicking. 2015 Nissan Altima, plate 8KDL442. Owner Tom Becker 650-555-0199 is stranded at the lot.",
     {"customer_name": "Tom Becker", "phone": "650-555-0199", "plate": "8KDL442"}, ["battery_replacement"], {"make": "Nissan", "model": "Altima", "year": 2015, "plate": "8KDL442"}, "critical", "electrical"),
    ("g09", "valid", "Coolant flush requested, 2013 Jeep Wrangler, temp gauge high on hills lately.",
     {}, ["coolant_flush"], {"make": "Jeep", "model": "Wrangler", "year": 2013}, "high", "maintenance"),
    ("g10", "valid", "Transmission service on 2016 Chevy Silverado 1500 at 98,000 miles, shifts hard from 2nd to 3rd.",
     {}, ["transmission_service"], {"make": "Chevrolet", "model": "Silverado", "year": 2016, "mileage": 98000}, "normal", "transmission"),
    ("g11", "fallback_invalid", "Battery light on the dash and headlights dim at idle. 2011 Mazda 3, 160k km. Call Priya at 312-555-0147.",
     {"customer_name": "Priya Raman", "phone": "312-555-0147"}, ["alternator_replacement"], {"make": "Mazda", "year": 2011, "mileage": 160000}, "high", "electrical"),
    ("g12", "valid", "Clunk over bumps from the front and bouncy ride, 2009 VW Jetta. Probably struts, then an alignment.",
     {}, ["strut_replacement"], {"make": "Volkswagen", "model": "Jetta", "year": 2009}, "normal", "suspension"),
    ("g13", "valid", "Pre-purchase inspection on a 2018 BMW X3 the customer is thinking of buying. VIN 5UXTR9C53JLD12345, seller's lot closes at 5.",
     {"vin": "5UXTR9C53JLD12345"}, ["pre_purchase_inspection"], {"make": "BMW", "model": "X3", "year": 2018, "vin": "5UXTR9C53JLD12345"}, "high", "inspection"),
    ("g14", "valid", "Cat 320 excavator: hydraulic hose burst on the boom, machine down on site. Contact: Dale Ortiz, dale@ortizexcavation.com.",
     {"customer_name": "Dale Ortiz", "email": "dale@ortizexcavation.com"}, ["hydraulic_hose_repair"], {"kind": "equipment", "make": "Caterpillar", "model": "320"}, "critical", "hydraulics"),
    ("g15", "valid", "Toyota 8FGU25 forklift due for its 500 hour service, hour meter at 2,480 hrs.",
     {}, ["forklift_pm"], {"kind": "equipment", "make": "Toyota", "model": "8FGU25", "mileage": 2480, "mileage_unit": "h"}, "low", "maintenance"),
    ("g16", "repaired", "Front brake pads and rotors on a 2018 Ford F-150, pulsing brake pedal when stopping from speed.",
     {}, ["brake_pads_rotors"], {"make": "Ford", "model": "F-150", "year": 2018}, "normal", "brakes"),
    ("g17", "valid", "Oil and filter plus tire rotation, 2021 Toyota RAV4, 30,000 miles. Customer Kevin O'Brien.",
     {"customer_name": "Kevin O'Brien"}, ["oil_change", "tire_rotation_balance"], {"make": "Toyota", "model": "RAV4", "year": 2021, "mileage": 30000}, "normal", "maintenance"),
    ("g18", "refusal", "Misfire code P0302 on a 2008 Honda Accord V6, flashing check engine light under load.",
     {}, ["check_engine_diag"], {"make": "Honda", "model": "Accord", "year": 2008}, "high", "diagnostics"),
    ("g19", "valid", "Spark plugs and a tune up on the 2012 Chevrolet Cruze, 110k miles, slight hesitation.",
     {}, ["spark_plugs_tuneup"], {"make": "Chevrolet", "model": "Cruze", "year": 2012, "mileage": 110000}, "normal", "engine"),
    ("g20", "valid", "Loud exhaust and rattle under the car, 2007 Toyota Tacoma. Think the muffler is gone.",
     {}, ["exhaust_repair"], {"kind": "truck", "make": "Toyota", "model": "Tacoma", "year": 2007}, "normal", "engine"),
    ("g21", "valid", "Hyster H50FT forklift leaking hydraulic fluid from the lift cylinder, line down at the warehouse. Ask for Sam Patel 555-201-3344.",
     {"customer_name": "Sam Patel", "phone": "555-201-3344"}, ["hydraulic_hose_repair"], {"kind": "equipment", "make": "Hyster"}, "critical", "hydraulics"),
    ("g22", "valid", "Air conditioning not cooling on the 2019 Ford Transit van, refrigerant low per the customer.",
     {}, ["ac_recharge"], {"kind": "van", "make": "Ford", "model": "Transit", "year": 2019}, "normal", "hvac"),
    ("g23", "fallback_invalid", "Winter tyre swap and balance on a 2016 Skoda Octavia, reg AB16 XYZ. Customer: Helen Ward.",
     {"customer_name": "Helen Ward", "plate": "AB16 XYZ"}, ["tire_rotation_balance"], {"make": "Skoda", "model": "Octavia", "year": 2016, "plate": "AB16 XYZ"}, "low", "tires"),
    ("g24", "valid", "Overheating in traffic, coolant leak under the front. 2006 Ford Ranger, 201,000 miles.",
     {}, ["coolant_flush"], {"kind": "truck", "make": "Ford", "model": "Ranger", "year": 2006, "mileage": 201000}, "high", "maintenance"),
    ("g25", "valid", "Transmission slipping between gears, 2014 Nissan Rogue CVT. Customer asks for a transmission service first.",
     {}, ["transmission_service"], {"make": "Nissan", "model": "Rogue", "year": 2014}, "high", "transmission"),
    ("g26", "valid", "Replace alternator on a 2010 Dodge Grand Caravan, charging light on, battery keeps dying. VIN 2D4RN4DE3AR123456.",
     {"vin": "2D4RN4DE3AR123456"}, ["alternator_replacement"], {"make": "Dodge", "year": 2010, "vin": "2D4RN4DE3AR123456"}, "high", "electrical"),
    ("g27", "storm", "Struts leaking and car pulls to the right after hitting a pothole. 2015 Kia Sorento.",
     {}, ["strut_replacement"], {"make": "Kia", "model": "Sorento", "year": 2015}, "normal", "suspension"),
    ("g28", "valid", "Annual safety inspection, 2020 Ram 1500 fleet truck #14, plate 9XYZ321.",
     {"plate": "9XYZ321"}, ["pre_purchase_inspection"], {"kind": "truck", "make": "Ram", "model": "1500", "year": 2020, "plate": "9XYZ321"}, "low", "inspection"),
    ("g29", "repaired", "John Deere 310SL backhoe: burst hydraulic hose on the loader arm, leaking hydraulic oil everywhere.",
     {}, ["hydraulic_hose_repair"], {"kind": "equipment", "make": "John Deere", "model": "310SL"}, "high", "hydraulics"),
    ("g30", "valid", "Planned maintenance on Crown reach truck RR5725, 1000 hour service.",
     {}, ["forklift_pm"], {"kind": "equipment", "make": "Crown", "model": "RR5725"}, "low", "maintenance"),
    ("g31", "valid", "Brake pads front and an oil change on the 2017 Honda CR-V. Contact Luis Gomez luis.gomez@mail.example, 408-555-0110.",
     {"customer_name": "Luis Gomez", "email": "luis.gomez@mail.example", "phone": "408-555-0110"}, ["brake_pads_front", "oil_change"], {"make": "Honda", "model": "CR-V", "year": 2017}, "normal", "brakes"),
    ("g32", "valid", "Check engine light, code P0420, 2011 Toyota Prius with 189k miles. Possibly catalytic converter.",
     {}, ["check_engine_diag", "exhaust_repair"], {"make": "Toyota", "model": "Prius", "year": 2011, "mileage": 189000}, "normal", "diagnostics"),
    ("g33", "valid", "Cam belt replacement on 2009 Audi A4 2.0 TDI, belt kit supplied by the shop.",
     {}, ["timing_belt"], {"make": "Audi", "model": "A4", "year": 2009}, "normal", "engine"),
    ("g34", "refusal", "Battery replacement for 2018 Mercedes C300, slow crank in the mornings. Customer Anna Schmidt, plate 4HJK229.",
     {"customer_name": "Anna Schmidt", "plate": "4HJK229"}, ["battery_replacement"], {"make": "Mercedes-Benz", "model": "C300", "year": 2018, "plate": "4HJK229"}, "normal", "electrical"),
    ("g35", "valid", "Wheel alignment and new tires, 2019 Subaru Forester pulls to the left.",
     {}, ["wheel_alignment", "tire_rotation_balance"], {"make": "Subaru", "model": "Forester", "year": 2019}, "normal", "suspension"),
    ("g36", "valid", "Brakes grinding badly, 2005 Chevy Tahoe, customer says almost no brakes left - unsafe to drive, towed in.",
     {}, ["brake_pads_rotors"], {"make": "Chevrolet", "model": "Tahoe", "year": 2005}, "critical", "brakes"),
    ("g37", "needs_review", "Bobcat S650 skid steer: hydraulic leak at the quick coupler, drips overnight.",
     {}, ["hydraulic_hose_repair"], {"kind": "equipment", "make": "Bobcat", "model": "S650"}, "normal", "hydraulics"),
    ("g38", "valid", "Oil service on a 2022 Ford Maverick hybrid, 12,500 mi, oil life at 5%.",
     {}, ["oil_change"], {"kind": "truck", "make": "Ford", "model": "Maverick", "year": 2022, "mileage": 12500}, "normal", "maintenance"),
    ("g39", "valid", "Customer reports the 2016 Kia Optima A/C not cold, smells musty. Email: r.cho@example.org",
     {"email": "r.cho@example.org"}, ["ac_recharge"], {"make": "Kia", "model": "Optima", "year": 2016}, "normal", "hvac"),
    ("g40", "valid", "Harsh shift and delayed engagement into drive, 2013 Ford Explorer, 150k miles. ATF looks dark.",
     {}, ["transmission_service"], {"make": "Ford", "model": "Explorer", "year": 2013, "mileage": 150000}, "high", "transmission"),
    ("g41", "custom_valid", "Driver door window won't go up on the 2015 Honda Pilot, motor hums. Please fix today, rain forecast.",
     {}, [], {"make": "Honda", "model": "Pilot", "year": 2015}, "high", "electrical"),
    ("g42", "custom_valid", "Windshield wiper motor dead on the 2012 Isuzu NPR box truck. Driver Marco Silva 917-555-0123.",
     {"customer_name": "Marco Silva", "phone": "917-555-0123"}, [], {"kind": "truck", "make": "Isuzu", "model": "NPR", "year": 2012}, "high", "electrical"),
    ("g43", "custom_valid", "Genie GS-1930 scissor lift platform will not rise, pump runs.",
     {}, [], {"kind": "equipment", "make": "Genie", "model": "GS-1930"}, "normal", "hydraulics"),
    ("g44", "valid", "PPI please: 2017 Lexus RX350, VIN 2T2BZMCA5HC123456, private sale. Buyer is Chris Nguyen chris.n@example.net.",
     {"customer_name": "Chris Nguyen", "email": "chris.n@example.net", "vin": "2T2BZMCA5HC123456"}, ["pre_purchase_inspection"], {"make": "Lexus", "model": "RX350", "year": 2017, "vin": "2T2BZMCA5HC123456"}, "normal", "inspection"),
    ("g45", "valid", "Kubota M7060 tractor: hydraulic hose to the loader blown, leaking hydraulic oil.",
     {}, ["hydraulic_hose_repair"], {"kind": "equipment", "make": "Kubota", "model": "M7060"}, "high", "hydraulics"),
    ("g46", "enrich_repaired", "Yale GLP050 forklift needs a PM service, 250 hour service interval reached.",
     {}, ["forklift_pm"], {"kind": "equipment", "make": "Yale", "model": "GLP050"}, "low", "maintenance"),
    ("g47", "valid", "Ford Transit 350 shuttle van: rear brake pads and rotors, brake wear indicator on. Plate 7TRN508.",
     {"plate": "7TRN508"}, ["brake_pads_rotors"], {"kind": "van", "make": "Ford", "model": "Transit", "plate": "7TRN508"}, "normal", "brakes"),
    ("g48", "enrich_storm", "2010 Toyota Corolla, 210,000 km, check engine light and loss of power on hills.",
     {}, ["check_engine_diag"], {"make": "Toyota", "model": "Corolla", "year": 2010, "mileage": 210000, "mileage_unit": "km"}, "high", "diagnostics"),
    ("g49", "needs_review", "Dead battery again on the 2014 Volvo XC60 even after a jump start, suspect parasitic drain.",
     {}, ["battery_replacement"], {"make": "Volvo", "model": "XC60", "year": 2014}, "normal", "electrical"),
    ("g50", "valid", "Exhaust leak at the manifold on a 2016 Ram 2500, ticking on cold start. Customer Bill Turner 214-555-0170.",
     {"customer_name": "Bill Turner", "phone": "214-555-0170"}, ["exhaust_repair"], {"kind": "truck", "make": "Ram", "model": "2500", "year": 2016}, "normal", "engine"),
    ("g51", "valid", "Coolant service and timing belt on 2008 Subaru Impreza, 118k miles.",
     {}, ["coolant_flush", "timing_belt"], {"make": "Subaru", "model": "Impreza", "year": 2008, "mileage": 118000}, "normal", "maintenance"),
    ("g52", "needs_review", "Linde H25 forklift due for planned maintenance; also the mast chains look stretched.",
     {}, ["forklift_pm"], {"kind": "equipment", "make": "Linde", "model": "H25"}, "low", "maintenance"),
    ("g53", "text_fallback", "Rough idle and misfire on cold start, 2013 Ford Fusion 1.6 EcoBoost, 95k miles.",
     {}, ["check_engine_diag"], {"make": "Ford", "model": "Fusion", "year": 2013, "mileage": 95000}, "normal", "diagnostics"),
    ("g54", "valid", "New battery and a lube oil filter service for the 2018 Toyota Sienna. Owner Grace Kim grace.kim@example.com.",
     {"customer_name": "Grace Kim", "email": "grace.kim@example.com"}, ["battery_replacement", "oil_change"], {"make": "Toyota", "model": "Sienna", "year": 2018}, "normal", "electrical"),
]

# Plans a model wrote for orders no canned job covers.
CUSTOM_PLANS = {
    "g41": [("diagnose_window", "Diagnose window regulator and motor", 30, "electrical", None, [], []),
            ("replace_regulator", "Replace window regulator", 90, "electrical", None, [("window regulator", 1)], ["diagnose_window"])],
    "g42": [("test_wiper_circuit", "Test wiper motor circuit", 30, "electrical", None, [], []),
            ("replace_wiper_motor", "Replace wiper motor", 60, "electrical", None, [("wiper motor", 1)], ["test_wiper_circuit"])],
    "g43": [("check_hydraulics", "Check hydraulic oil level, pump pressure and lift valve", 45, "hydraulics", "heavy", [], []),
            ("repair_lift_valve", "Replace lowering valve coil", 60, "hydraulics", "heavy", [("lowering valve coil", 1)], ["check_hydraulics"]),
            ("function_test", "Function test platform and safety systems", 20, "general", "heavy", [], ["repair_lift_valve"])],
}

# Invalid first answers, one kind per repaired case, so each kind of check is exercised.
INVALID_PLANS = {
    "missing_dependency": lambda tasks: {"tasks": [tasks[0], {**tasks[-1], "depends_on": ["remove_old_parts"]}]},
    "unknown_skill": lambda tasks: {"tasks": [{**t, "skill": "welding"} if i == 0 else t for i, t in enumerate(tasks)]},
    "duration": lambda tasks: {"tasks": [{**t, "duration_min": 1440 * 2} if i == 0 else t for i, t in enumerate(tasks)]},
    "cycle": lambda tasks: {"tasks": [{**tasks[0], "depends_on": [tasks[-1]["key"]]}, *tasks[1:]]},
    "bad_bay": lambda tasks: {"tasks": [{**t, "bay_type": "paint_booth"} for t in tasks]},
    "schema": lambda tasks: {"tasks": [{k: v for k, v in t.items() if k != "duration_min"} for t in tasks]},
}
REFUSAL = "I can't help with planning this request."
PRIORITY = {"critical": 5, "high": 4, "normal": 3, "low": 2}


def model_plan(case_index: int, job_ids: list[str]) -> list[dict]:
    """The expected jobs' tasks as a model would write them: keys renamed, durations varied."""
    tasks, seen = [], set()
    for job_id in job_ids:
        rename = {}
        for t in JOBS[job_id].tasks:
            key = t.key if t.key not in seen else f"{t.key}_{job_id.split('_')[0]}"
            rename[t.key] = key
            seen.add(key)
            factor = 1 + ((case_index + len(tasks)) % 5 - 2) * 0.1
            tasks.append({"key": key, "name": t.name, "duration_min": max(5, round(t.duration_min * factor / 5) * 5),
                          "skill": t.skill, "bay_type": t.bay_type,
                          "parts": [p.model_dump() for p in t.parts], "depends_on": [rename[d] for d in t.depends_on]})
    return tasks


def custom_plan(rows) -> list[dict]:
    return [{"key": k, "name": n, "duration_min": d, "skill": s, "bay_type": b,
             "parts": [{"name": pn, "qty": q} for pn, q in parts], "depends_on": deps}
            for k, n, d, s, b, parts, deps in rows]


def enrichment(text: str, asset: dict, urgency: str, category: str, pii: dict) -> dict:
    """The enrichment a model returns for the redacted text: PII fields as their placeholders."""
    redaction = redact(WorkOrder(description=text, **pii), f"Work order:\n{text}")
    token = {original.lower(): ph for ph, original in redaction.originals.items()}
    full = {"kind": "car", "make": None, "model": None, "year": None, "vin": None, "plate": None,
            "mileage": None, "mileage_unit": "mi" if asset.get("mileage") else None}
    full.update(asset)
    for field in ("vin", "plate"):
        if full[field]:
            full[field] = token[full[field].lower()]
    summary = redaction.text.split("\n", 1)[1].split(".")[0]
    return {"category": category, "urgency": urgency, "suggested_priority": PRIORITY[urgency],
            "asset": full, "summary": summary}


def usage(index: int, base_in: int, base_out: int) -> dict:
    return {"input_tokens": base_in + 37 * (index % 7), "output_tokens": base_out + 23 * (index % 5)}


def responses(index: int, scenario: str, plan: dict, enrich: dict) -> dict:
    ok_plan = {"tool_input": plan, "usage": usage(index, 1180, 410)}
    ok_plan_openai = {"content": plan, "usage": usage(index, 1120, 395)}
    ok_enrich = {"tool_input": enrich, "usage": usage(index, 760, 190)}
    invalid_kind = list(INVALID_PLANS)[index % len(INVALID_PLANS)]
    invalid = {"tool_input": INVALID_PLANS[invalid_kind](plan["tasks"]), "usage": usage(index, 1180, 380)}
    storm = {"status": 529, "times": 3}
    enrich_steps = {"anthropic": [ok_enrich]}
    plan_steps = {
        "valid": {"anthropic": [ok_plan]},
        "custom_valid": {"anthropic": [ok_plan]},
        "repaired": {"anthropic": [invalid, ok_plan]},
        "fallback_invalid": {"anthropic": [invalid, invalid], "openai": [ok_plan_openai]},
        "refusal": {"anthropic": [{"refusal": REFUSAL, "usage": usage(index, 1180, 12)}], "openai": [ok_plan_openai]},
        "text_fallback": {"anthropic": [{"text": "Here is the plan: inspect, then repair.", "usage": usage(index, 1180, 15)}],
                          "openai": [ok_plan_openai]},
        "storm": {"anthropic": [storm], "openai": [ok_plan_openai]},
        "needs_review": {"anthropic": [invalid, invalid],
                         "openai": [{"content": INVALID_PLANS["cycle"](plan["tasks"]) if len(plan["tasks"]) > 1
                                     else INVALID_PLANS["unknown_skill"](plan["tasks"]), "usage": usage(index, 1120, 380)}]},
        "enrich_repaired": {"anthropic": [ok_plan]},
        "enrich_storm": {"anthropic": [ok_plan]},
    }[scenario]
    if scenario == "enrich_repaired":
        enrich_steps = {"anthropic": [{"tool_input": {**enrich, "urgency": "whenever"}, "usage": usage(index, 760, 190)}, ok_enrich]}
    if scenario == "enrich_storm":
        enrich_steps = {"anthropic": [storm], "openai": [{"content": enrich, "usage": usage(index, 700, 180)}]}
    if scenario == "needs_review" and index % 2:
        plan_steps = {"anthropic": [{"refusal": REFUSAL, "usage": usage(index, 1180, 12)}],
                      "openai": [{"refusal": REFUSAL, "usage": usage(index, 1120, 10)}]}
    return {"enrich": enrich_steps, "plan_tasks": plan_steps}


def main() -> None:
    out = HERE / "cases"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.json"):
        old.unlink()
    for index, (case_id, scenario, text, pii, jobs, asset, urgency, category) in enumerate(CASES):
        tasks = custom_plan(CUSTOM_PLANS[case_id]) if case_id in CUSTOM_PLANS else model_plan(index, jobs)
        enrich = enrichment(text, asset, urgency, category, pii)
        skills = sorted({t["skill"] for t in tasks})
        # `match`: the start of the redacted description, which the fake server finds the case by.
        match = redact(WorkOrder(description=text, **pii)).text[:50]
        case = {
            "id": case_id, "scenario": scenario, "match": match,
            "work_order": {"description": text, **pii},
            "expected": {"status": "needs_review" if scenario == "needs_review" else "valid",
                         "canned_jobs": jobs, "skills": skills, "category": category, "urgency": urgency,
                         "asset": asset},
            "responses": responses(index, scenario, {"tasks": tasks}, enrich),
        }
        (out / f"{case_id}.json").write_text(json.dumps(case, indent=1) + "\n")
    print(f"wrote {len(CASES)} cases to {out}")


if __name__ == "__main__":
    main()
