from prao.models import Slot
from tests.factories import World


async def test_world_builds(world: World) -> None:
    assert await Slot.filter(employer_id=world.employer.id).count() == 2
