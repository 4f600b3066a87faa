"""Schemathesis hooks for tests/schemathesis/run.sh.

GeoReport v2 sends its key in the form body (`api_key`), where no security
scheme of OpenAPI can put it: the device token the runner registered is
written there before each POST of a service request.
"""

import os

import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs):
    if (
        case.operation.method.upper() == "POST"
        and case.operation.path == "/open311/v2/requests.json"
        and isinstance(case.body, dict)
    ):
        case.body["api_key"] = os.environ["MM_ST_DEVICE_TOKEN"]
