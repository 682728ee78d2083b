# AccumulationReportGenerator on the board: the sum over projects, devices and streams, summed
# while the pages stream in. Prints the result as JSON for the pytest side to compare.
import json
import os

from iotpush.services.iotile import AccumulationReportGenerator, Api

api = Api(domain=os.getenv("IOTILE_URL"), timeout=5)
assert api.login(email="board@iotpush.test", password="board-pass")
gen = AccumulationReportGenerator(api)
stats = gen.compute_sum(sources=os.getenv("SOURCES").split(","), start=os.getenv("START"),
                        end=os.getenv("END"))
print("RESULT", json.dumps(stats))
print("ERRORS", len(gen.errors))
print("OK")
