def arrears(request):
    """Arrears countdown and lock banners for the current account (filled by the quota app)."""
    return {}
