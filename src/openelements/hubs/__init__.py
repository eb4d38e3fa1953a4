"""Hub API (spec §8, §9.6): `/hubs/{hub}/{resource...}` and its root aliases, served from the
element's resource table through the instance's provider token.

    routing.py   hub path → (resource, path parameters); reserved root segments (D31)
    paging.py    pageSize/page/nextPage, page assembly over provider nextLinks (D45-D47)
    cursor.py    the sealed nextPage token, bound to the instance and the query
    bodies.py    null filtering (D32) and request-body cleaning
    access.py    Authorization → the instance a hub call uses (short-lived cache)
    service.py   one hub call, from resource to answer
    endpoints.py the routes
"""
