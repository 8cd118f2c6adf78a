"""The shop schema rejects bad data itself, whoever writes it."""
import pytest
from psycopg import errors


def add_task(owner, work_order, name="Step", minutes=30):
    return owner.execute(
        "insert into tasks (work_order_id, name, duration_minutes) values (%s, %s, %s) returning id",
        (work_order, name, minutes),
    ).fetchone()[0]


def depend(owner, task, on):
    owner.execute("insert into task_dependencies (task_id, depends_on_task_id) values (%s, %s)", (task, on))


def test_task_cannot_depend_on_itself(shop, owner):
    with pytest.raises(errors.CheckViolation):
        depend(owner, shop.task_ana, shop.task_ana)


def test_dependency_across_work_orders_is_rejected(shop, owner):
    with pytest.raises(errors.CheckViolation, match="of another work order") as caught:
        depend(owner, shop.task_ana, shop.task_free)
    assert caught.value.diag.constraint_name == "task_dependencies_same_work_order"


def test_dependency_cycle_is_rejected(shop, owner):
    third = add_task(owner, shop.wo_ana)
    depend(owner, shop.task_ben, shop.task_ana)
    depend(owner, third, shop.task_ben)
    with pytest.raises(errors.CheckViolation, match="would close a cycle") as caught:
        depend(owner, shop.task_ana, third)
    assert caught.value.diag.constraint_name == "task_dependencies_acyclic"


def test_task_duration_must_be_positive(shop, owner):
    for minutes in (-30, 0):
        with pytest.raises(errors.CheckViolation, match="duration_minutes"):
            add_task(owner, shop.wo_ana, minutes=minutes)


def test_dispatcher_is_held_to_the_same_rules(shop, as_profile):
    with as_profile(shop.dispatcher) as conn, pytest.raises(errors.CheckViolation):
        conn.execute("insert into task_dependencies (task_id, depends_on_task_id) values (%s, %s)",
                     (shop.task_ana, shop.task_free))
