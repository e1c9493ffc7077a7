from django.db import models


class Section(models.Model):
    name = models.CharField(max_length=60)
    slug = models.SlugField(unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Author(models.Model):
    name = models.CharField(max_length=80)
    desk = models.CharField(max_length=40)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Story(models.Model):
    section = models.ForeignKey(Section, related_name="stories", on_delete=models.PROTECT)
    author = models.ForeignKey(Author, related_name="stories", on_delete=models.PROTECT)
    slug = models.SlugField(max_length=120, unique=True)
    headline = models.CharField(max_length=200)
    standfirst = models.CharField(max_length=300)
    body = models.TextField()
    published_at = models.DateTimeField(db_index=True)
    word_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-published_at"]
        verbose_name_plural = "stories"

    def __str__(self) -> str:
        return self.headline
