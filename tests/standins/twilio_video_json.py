"""Render the stand-in's rooms, participants, pages and errors as Twilio does.

Owns the JSON shapes only: the fields of `video.v1.room` and
`video.v1.room.room_participant` in Twilio's OpenAPI description, list pages
with their `meta` block, and Twilio's error body
`{"code", "message", "more_info", "status"}`. `origin` is where the links
point: the stand-in's own address by default, so a client following
`next_page_url` or `links` stays on loopback.
"""

from datetime import datetime
from urllib.parse import urlencode

from .twilio_video_state import Participant, Room, TwilioError


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def error_body(error: TwilioError) -> dict:
    return {
        "code": error.code,
        "message": error.message,
        "more_info": f"https://www.twilio.com/docs/errors/{error.code}",
        "status": error.status,
    }


def room_json(room: Room, account_sid: str, origin: str) -> dict:
    url = f"{origin}/v1/Rooms/{room.sid}"
    body = {
        "sid": room.sid,
        "status": room.status,
        "date_created": iso(room.date_created),
        "date_updated": iso(room.date_updated),
        "account_sid": account_sid,
        "unique_name": room.unique_name,
        "end_time": iso(room.end_time),
        "duration": room.duration(),
        "url": url,
        "links": {
            name: f"{url}/{name_in_url}"
            for name, name_in_url in (
                ("participants", "Participants"),
                ("recordings", "Recordings"),
                ("transcriptions", "Transcriptions"),
                ("recording_rules", "RecordingRules"),
            )
        },
    }
    return room.settings | body


def participant_json(participant: Participant, account_sid: str, origin: str):
    url = f"{origin}/v1/Rooms/{participant.room_sid}/Participants/{participant.sid}"
    return {
        "sid": participant.sid,
        "room_sid": participant.room_sid,
        "account_sid": account_sid,
        "status": participant.status,
        "identity": participant.identity,
        "date_created": iso(participant.start_time),
        "date_updated": iso(participant.date_updated),
        "start_time": iso(participant.start_time),
        "end_time": iso(participant.end_time),
        "duration": participant.duration(),
        "url": url,
        "links": {
            name: f"{url}/{name_in_url}"
            for name, name_in_url in (
                ("published_tracks", "PublishedTracks"),
                ("subscribed_tracks", "SubscribedTracks"),
                ("subscribe_rules", "SubscribeRules"),
                ("anonymize", "Anonymize"),
            )
        },
    }


def page_json(key: str, items: list, url: str, filters: dict, query: dict) -> dict:
    """One page of `items` (already rendered), paged by Page and PageSize.

    `filters` are the query fields that select the items; they are repeated
    in every page URL, as Twilio does, so following `next_page_url` keeps them.
    """
    size = int(query.get("PageSize", ["50"])[0])
    page = int(query.get("Page", ["0"])[0])
    chunk = items[page * size : (page + 1) * size]

    def link(number: int) -> str:
        params = {**filters, "PageSize": size, "Page": number}
        if number:
            params["PageToken"] = f"PT{number}"
        return f"{url}?{urlencode(params)}"

    more = (page + 1) * size < len(items)
    return {
        key: chunk,
        "meta": {
            "page": page,
            "page_size": size,
            "first_page_url": link(0),
            "previous_page_url": link(page - 1) if page else None,
            "url": link(page),
            "next_page_url": link(page + 1) if more else None,
            "key": key,
        },
    }
