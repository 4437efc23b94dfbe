"""Pages outside any account: the sandbox gateway's payment page (it stands in for the bank's site)."""

urlpatterns: list = []
