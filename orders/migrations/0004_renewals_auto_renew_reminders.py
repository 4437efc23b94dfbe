"""Renewals (a package continuing another from the day after its end), the auto-renew opt-in, the expiry
reminders and auto-renew attempts, and the rule "a workspace is in at most one package on any day" as an
exclusion constraint over the rows' date ranges (so a workspace can be in a package and in its scheduled
renewal; they never overlap in time). Every existing row is kept: rows never overlapped before (one open row
per workspace, closed rows end before the next one starts)."""

import django.contrib.postgres.constraints
import django.contrib.postgres.fields.ranges
import django.db.models.deletion
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models
from django.db.models import F, Func, Q, Value


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0003_beat_schedules'),
    ]

    operations = [
        BtreeGistExtension(),
        migrations.AddField(
            model_name='package',
            name='renewal_of',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='renewals', to='orders.package'),
        ),
        migrations.AddField(
            model_name='package',
            name='auto_renew',
            field=models.BooleanField(default=False, verbose_name='renew automatically'),
        ),
        migrations.AddField(
            model_name='order',
            name='renewal_of',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='renewal_orders', to='orders.package'),
        ),
        migrations.AlterField(
            model_name='order',
            name='kind',
            field=models.CharField(choices=[('purchase', 'Plan package purchase'), ('upgrade', 'Upgrade'), ('traffic', 'Traffic package'), ('renewal', 'Renewal')], max_length=16),
        ),
        migrations.RemoveConstraint(model_name='order', name='order_purchase_has_plan'),
        migrations.RemoveConstraint(model_name='order', name='order_change_has_package'),
        migrations.AddConstraint(
            model_name='order',
            constraint=models.CheckConstraint(condition=~Q(kind__in=['purchase', 'renewal']) | Q(plan__isnull=False), name='order_purchase_has_plan'),
        ),
        migrations.AddConstraint(
            model_name='order',
            constraint=models.CheckConstraint(condition=Q(kind__in=['purchase', 'renewal']) | Q(package__isnull=False), name='order_change_has_package'),
        ),
        migrations.AddConstraint(
            model_name='order',
            constraint=models.CheckConstraint(condition=~Q(kind='renewal') | Q(renewal_of__isnull=False), name='order_renewal_names_package'),
        ),
        migrations.AddConstraint(
            model_name='package',
            constraint=models.UniqueConstraint(condition=~Q(status='refunded'), fields=('renewal_of',), name='package_one_renewal'),
        ),
        migrations.AddConstraint(
            model_name='packageworkspace',
            constraint=django.contrib.postgres.constraints.ExclusionConstraint(
                expressions=[
                    ('workspace', '='),
                    (Func(F('valid_from'), F('valid_until'), Value('[]'), function='DATERANGE', output_field=django.contrib.postgres.fields.ranges.DateRangeField()), '&&'),
                ],
                name='workspace_one_package_per_day',
            ),
        ),
        migrations.RemoveConstraint(model_name='packageworkspace', name='workspace_one_current_package'),
        migrations.CreateModel(
            name='PackageReminder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('days_before', models.PositiveSmallIntegerField()),
                ('sent_on', models.DateField(help_text="the account's day it was sent")),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('package', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='orders.package')),
            ],
            options={
                'ordering': ['package_id', '-days_before'],
                'constraints': [models.UniqueConstraint(fields=('package', 'days_before'), name='package_reminder_once')],
            },
        ),
        migrations.CreateModel(
            name='AutoRenewAttempt',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('succeeded', models.BooleanField(default=False)),
                ('amount', models.DecimalField(blank=True, decimal_places=2, default=0, help_text="the renewal's price", max_digits=16, null=True)),
                ('shortfall', models.DecimalField(blank=True, decimal_places=2, default=0, max_digits=16, null=True)),
                ('message', models.CharField(blank=True, max_length=500)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('order', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orders.order')),
                ('package', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='auto_renew_attempts', to='orders.package')),
            ],
            options={
                'ordering': ['package_id', '-day'],
                'constraints': [
                    models.UniqueConstraint(fields=('package', 'day'), name='auto_renew_attempt_once_a_day'),
                    models.CheckConstraint(condition=~Q(succeeded=True) | Q(order__isnull=False), name='auto_renew_success_has_order'),
                ],
            },
        ),
    ]
