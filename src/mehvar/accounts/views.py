from django.http import HttpResponse


def invitation_accept(request, token):
    return HttpResponse("todo")
