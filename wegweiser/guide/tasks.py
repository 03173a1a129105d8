"""Background work of the guide: typesetting brochures."""

from django_tasks import task

from wegweiser.guide import services


@task()
def render_brochure(*, rendering_id: int) -> str:
    return services.rendering_run(rendering_id)
