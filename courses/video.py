"""Turn what an instructor pastes (a YouTube/Vimeo link or a bare id) into a
safe embed URL. Only ids that match the providers' formats are used, so
nothing an instructor types ends up verbatim in an iframe's `src`."""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
VIMEO_ID = re.compile(r"^[0-9]{4,12}$")
YOUTUBE_HOSTS = {
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "youtube-nocookie.com",
    "www.youtube-nocookie.com",
}
VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}


@dataclass(frozen=True)
class VideoEmbed:
    provider: str  # "youtube" or "vimeo"
    video_id: str

    @property
    def embed_url(self) -> str:
        if self.provider == "youtube":
            # The privacy-enhanced domain sets no cookies until the viewer plays.
            return f"https://www.youtube-nocookie.com/embed/{self.video_id}?rel=0"
        return f"https://player.vimeo.com/video/{self.video_id}?dnt=1"


def _from_url(url: str) -> VideoEmbed | None:
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    parts = [p for p in parsed.path.split("/") if p]
    if host == "youtu.be" and parts:
        candidate = parts[0]
    elif host in YOUTUBE_HOSTS:
        if parts[:1] == ["watch"]:
            candidate = parse_qs(parsed.query).get("v", [""])[0]
        elif len(parts) >= 2 and parts[0] in {"embed", "shorts", "live", "v"}:
            candidate = parts[1]
        else:
            return None
    elif host in VIMEO_HOSTS:
        numeric = [p for p in parts if VIMEO_ID.match(p)]
        return VideoEmbed("vimeo", numeric[0]) if numeric else None
    else:
        return None
    return VideoEmbed("youtube", candidate) if YOUTUBE_ID.match(candidate) else None


def video_embed_for(*, video_url: str = "", video_id: str = "") -> VideoEmbed | None:
    video_id = (video_id or "").strip()
    if video_id:
        if VIMEO_ID.match(video_id):
            return VideoEmbed("vimeo", video_id)
        if YOUTUBE_ID.match(video_id):
            return VideoEmbed("youtube", video_id)
    if video_url:
        return _from_url(video_url.strip())
    return None
