"""The TwiML answers, built only with twilio's VoiceResponse (it escapes)."""

from twilio.twiml.voice_response import Dial, VoiceResponse

from tokens.voice import policy

RING_SECONDS = 25
# What a caller hears for each refusal: short, and saying nothing of the
# rules or of who exists.
SPOKEN = {
    policy.CALLER_UNKNOWN: "This app may not place calls. Goodbye.",
    policy.CALLER_INACTIVE: "This account may not place calls. Goodbye.",
    policy.CALLER_NOT_PERMITTED: "You may not place calls. Goodbye.",
    policy.INVALID_DESTINATION: "This call cannot be placed. Goodbye.",
    policy.CALLEE_UNKNOWN: "This person cannot be called. Goodbye.",
    policy.CALLEE_INACTIVE: "This person cannot be called. Goodbye.",
    policy.CALLEE_NOT_PERMITTED: "This person cannot receive calls. Goodbye.",
    policy.CALLEE_NOT_REACHABLE: "You may not call this person. Goodbye.",
    policy.CALLEE_IS_CALLER: "You cannot call yourself. Goodbye.",
    policy.NUMBER_NOT_PERMITTED: "You may not call this number. Goodbye.",
    policy.NUMBERS_NOT_CONFIGURED: "Calls to phone numbers are not set up. Goodbye.",
    "nobody_available": "Nobody can take your call now. Please call again later.",
    "group_not_configured": "Nobody can take your call now. Please call again later.",
}


def refusal(code: str) -> str:
    response = VoiceResponse()
    response.say(SPOKEN.get(code, "This call cannot be placed. Goodbye."))
    response.hangup()
    return str(response)


def dial_clients(identities: list[str], *, action: str) -> str:
    """Ring these identities at once; Twilio posts the outcome to `action`."""
    response = VoiceResponse()
    dial = Dial(action=action, timeout=RING_SECONDS, answer_on_bridge=True)
    for identity in identities:
        dial.client(identity)
    response.append(dial)
    return str(response)


def dial_number(number: str, *, caller_id: str, action: str) -> str:
    response = VoiceResponse()
    dial = Dial(
        action=action,
        caller_id=caller_id,
        timeout=RING_SECONDS,
        answer_on_bridge=True,
    )
    dial.number(number)
    response.append(dial)
    return str(response)


def hang_up() -> str:
    """The answer to <Dial action>: the call ends with its dialled leg."""
    response = VoiceResponse()
    response.hangup()
    return str(response)
