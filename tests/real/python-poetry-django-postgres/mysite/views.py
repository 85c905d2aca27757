from django.db import connection
from django.http import HttpResponse


def healthz(request):
    return HttpResponse("ok\n", content_type="text/plain")


def index(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_user, 6 * 7")
        database, user, answer = cursor.fetchone()
    return HttpResponse(
        f"django-postgres says hello: database {database} as {user}, 6*7={answer}\n",
        content_type="text/plain",
    )
