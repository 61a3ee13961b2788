FROM python:3.12-slim
ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DJANGO_SECRET_KEY=collectstatic DATABASE_URL=postgres://x@localhost/x REDIS_URL=redis://localhost \
    python manage.py collectstatic --no-input
EXPOSE 8000
# No control socket: gunicorn's default path is shared by every instance of a user (stack.py).
CMD ["gunicorn", "bzpeer.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--no-control-socket"]
