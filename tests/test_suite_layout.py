"""The suite's own layout: a module marked with an xdist group runs on one worker (its module-scoped
build made once). pytest-xdist applies a group by suffixing the test's nodeid with @<group>; a pytest
that ignores the rewrite (9.2) would let the group's tests spread over both workers."""
import pytest

pytestmark = pytest.mark.xdist_group("suite_layout")


def test_an_xdist_group_takes_effect_under_loadgroup(request):
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not run by `make test`'s workers (--dist loadgroup): nothing to check here")
    assert request.node.nodeid.endswith("@suite_layout"), request.node.nodeid
