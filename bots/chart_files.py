"""Charts that go inside a message (a canary's), saved as files where the message is only text
(the terminal, and `sre serve`'s log of local messages)."""

from __future__ import annotations

from pathlib import Path

from shared.replies import Reply


def saved_charts(reply: Reply, folder: Path) -> tuple[Reply, list[Path]]:
    """`reply` without its inline charts, and where each was saved in `folder`."""
    inline = [image for image in reply.images if image.inline]
    if not inline:
        return reply, []
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for image in inline:
        path = folder / image.name
        path.write_bytes(image.png())
        paths.append(path)
    rest = [image for image in reply.images if not image.inline]
    return reply.model_copy(update={"images": rest}), paths
