"""A small shop's people: an admin, a dispatcher, two technicians with logins and a user without a profile."""
import uuid

ADMIN = uuid.UUID("00000000-0000-4000-b000-000000000001")
DISPATCHER = uuid.UUID("00000000-0000-4000-b000-000000000002")
TECH_A = uuid.UUID("00000000-0000-4000-b000-000000000011")
TECH_B = uuid.UUID("00000000-0000-4000-b000-000000000012")
NO_PROFILE = uuid.UUID("00000000-0000-4000-b000-000000000099")
TECHNICIAN_A = uuid.UUID("00000000-0000-4000-c000-000000000011")
TECHNICIAN_B = uuid.UUID("00000000-0000-4000-c000-000000000012")


def seed_people(conn) -> None:
    """Users, profiles and the two technicians (skill: brakes) on `conn` (the owner's connection)."""
    people = [(ADMIN, "admin"), (DISPATCHER, "dispatcher"), (TECH_A, "tech"), (TECH_B, "tech")]
    for user_id, role in people + [(NO_PROFILE, None)]:
        conn.execute("insert into auth.users (id, email) values (%s, %s)", (user_id, f"{user_id}@test"))
        if role:
            conn.execute("insert into public.profiles (id, role, display_name, email) values (%s, %s, %s, %s)",
                         (user_id, role, f"{role} {str(user_id)[-2:]}", f"{user_id}@test"))
    for technician_id, profile_id, name in [(TECHNICIAN_A, TECH_A, "Ana"), (TECHNICIAN_B, TECH_B, "Ben")]:
        conn.execute("insert into public.technicians (id, profile_id, name, skills) values (%s, %s, %s, %s)",
                     (technician_id, profile_id, name, ["brakes"]))
