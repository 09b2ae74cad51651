"""The staff's admin: registrations, actions, staff views and the site.

registrations.py and audit_log.py register the models (imported by
apps.TokenAdminConfig, not here: Django imports site.py while it builds
`admin.site`, and the registrations need that site built). actions.py and
grants.py hold the bulk actions, views.py the staff pages (effective access,
Twilio configuration, audit CSV), accounts.py who may change which account,
columns.py clipped list columns, twilio_create.py the Room page's "On
Twilio" settings and "Create on Twilio now", site.py the admin site with the login
lockout. rooms.py registers the Twilio rooms, sessions and evictions
(read-only); room_live.py renders a room's and a user's live panels,
room_actions.py ends a room or removes a participant through Twilio,
live_pages.py mixes both into the room and user admins, and removals.py
warns when a change ends a connected participant's access. calls.py
registers the voice calls: the answering group of the number (one row that
wins over TWILIO_INCOMING_CALL_GROUP), the call decisions and records.

May import: every wing below it (issuing, limits, web's login forms), models.
Nothing imports it but Django and the URL configuration.
"""
