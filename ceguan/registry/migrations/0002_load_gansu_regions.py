"""Load Gansu's province, 14 cities/prefectures, Lanzhou New Area and counties (GB/T 2260).

Lanzhou New Area (兰州新区) is a state-level new area, not a GB/T 2260 division; it carries the
statistical division code 620171 and is treated as a city because the work plan lists it beside
the 14 cities and prefectures.
"""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "gansu_regions.csv"


def load(apps, schema_editor):
    Region = apps.get_model("registry", "Region")
    by_code = {}
    with DATA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            region, _ = Region.objects.update_or_create(
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "name_en": row["name_en"],
                    "level": row["level"],
                    "parent": by_code.get(row["parent"]),
                },
            )
            by_code[row["code"]] = region


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
