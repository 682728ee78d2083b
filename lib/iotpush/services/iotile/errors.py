# errors.py: the exceptions of the iotile-cloud API, same names and classes as the official client.
#
# RestBaseException
#   RestHttpBaseException          .status (int or None), .url, .content (first bytes of the body)
#     HttpClientError              4xx
#       HttpNotFoundError          404
#     HttpServerError              5xx
#     HttpCouldNotVerifyServerError
#   MalformedResponseError         a 2xx answer we could not read (bad JSON, a page without
#                                  "results", a body cut short or over the size limit)
# Messages carry the server's own message and never a token or password.

import gc

gc.collect()  # tidy the heap the previous import left before this module loads


class RestBaseException(Exception):
    pass


class RestHttpBaseException(RestBaseException):
    def __init__(self, msg, status=None, url=None, content=None):
        super().__init__(msg)
        self.status = status
        self.url = url
        self.content = content


class HttpClientError(RestHttpBaseException):
    pass


class HttpNotFoundError(HttpClientError):
    pass


class HttpServerError(RestHttpBaseException):
    pass


class HttpCouldNotVerifyServerError(RestHttpBaseException):
    pass


class MalformedResponseError(RestBaseException):
    pass
