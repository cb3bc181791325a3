"""Declared conflicts become registry records: created/updated stamps, changes in the audit log."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("targeting", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="declaredconflict",
            name="created",
            field=models.DateTimeField(
                auto_now_add=True, default=django.utils.timezone.now, verbose_name="创建时间"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="declaredconflict",
            name="last_updated",
            field=models.DateTimeField(auto_now=True, verbose_name="更新时间"),
        ),
    ]
