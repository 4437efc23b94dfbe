from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='financesettings',
            name='auto_renew_days_before',
            field=models.PositiveSmallIntegerField(default=7, verbose_name='automatic renewal charges the wallet (days before the end)'),
        ),
    ]
