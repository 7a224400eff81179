def shell(request):
    """Filled by the web shell: the current workspace, the navigation for the member's role."""
    return {
        "current_workspace": getattr(request, "workspace", None),
        "current_membership": getattr(request, "membership", None),
    }
