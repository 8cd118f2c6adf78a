"""The test shop every folder shares: an admin, a dispatcher, Ana and Ben (technicians with logins),
a signed-up user without a profile, and two lifts. Fixed ids, so a test names people the same way
wherever it runs; each folder adds the work it needs on top (`board_shop`, tests/db's work orders).

Ana is the only one with diagnostics, engine and electrical work; Ben the only one with tires."""
import uuid

ADMIN = uuid.UUID("00000000-0000-4000-b000-000000000001")
DISPATCHER = uuid.UUID("00000000-0000-4000-b000-000000000002")
TECH_ANA = uuid.UUID("00000000-0000-4000-b000-000000000011")  # Ana's login (profile)
TECH_BEN = uuid.UUID("00000000-0000-4000-b000-000000000012")
NO_PROFILE = uuid.UUID("00000000-0000-4000-b000-000000000099")
TECHNICIAN_ANA = uuid.UUID("00000000-0000-4000-c000-000000000011")  # Ana as the schedule sees her
TECHNICIAN_BEN = uuid.UUID("00000000-0000-4000-c000-000000000012")
LIFT_1 = uuid.UUID("00000000-0000-4000-d000-000000000001")
LIFT_2 = uuid.UUID("00000000-0000-4000-d000-000000000002")

SKILLS = {TECHNICIAN_ANA: ["general", "brakes", "diagnostics", "engine", "electrical"],
          TECHNICIAN_BEN: ["general", "brakes", "tires"]}
LIFTS = {LIFT_1: "Lift 1", LIFT_2: "Lift 2"}


def seed_people(conn) -> None:
    """Users, profiles and the two technicians (no shifts: always available) on `conn` (the owner's connection)."""
    people = [(ADMIN, "admin"), (DISPATCHER, "dispatcher"), (TECH_ANA, "tech"), (TECH_BEN, "tech")]
    for user_id, role in people + [(NO_PROFILE, None)]:
        conn.execute("insert into auth.users (id, email) values (%s, %s)", (user_id, f"{user_id}@test"))
        if role:
            conn.execute("insert into public.profiles (id, role, display_name, email) values (%s, %s, %s, %s)",
                         (user_id, role, f"{role} {str(user_id)[-2:]}", f"{user_id}@test"))
    for technician_id, profile_id, name in [(TECHNICIAN_ANA, TECH_ANA, "Ana"), (TECHNICIAN_BEN, TECH_BEN, "Ben")]:
        conn.execute("insert into public.technicians (id, profile_id, name, skills) values (%s, %s, %s, %s)",
                     (technician_id, profile_id, name, SKILLS[technician_id]))


def seed_lifts(conn, lifts=(LIFT_1, LIFT_2)) -> None:
    """The shop's lifts (`LIFTS`), all of them unless `lifts` names some."""
    for bay_id in lifts:
        conn.execute("insert into public.bays (id, name, bay_type) values (%s, %s, 'lift')", (bay_id, LIFTS[bay_id]))
