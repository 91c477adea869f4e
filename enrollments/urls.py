app_name = "enrollments"
urlpatterns = []
