from django.apps import AppConfig


class EnrollmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "enrollments"

    def ready(self) -> None:
        # Every course card shows how many students a course has, and the catalogue
        # sorts by it: figures only this app knows (courses/catalogue.py).
        from courses.catalogue import catalogue_sort_register, course_figure_register
        from courses.instructors import instructor_figure_register
        from enrollments.selectors import instructor_student_total_expression, student_count_expression

        course_figure_register("student_count", student_count_expression)
        # And an instructor's page, how many students they teach (courses/instructors.py).
        instructor_figure_register("student_total", instructor_student_total_expression)
        catalogue_sort_register(
            "popular", label="Most popular", ordering=["-student_count", "-created_at", "-pk"], position=20
        )

        from enrollments import page_versions

        page_versions.connect()  # the anonymous page cache: student counts (lms/page_cache.py)
