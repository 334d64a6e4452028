# Production image for Attendance Pathway (used by docker-compose.yml for web, worker and beat).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DOCUMENTS_DIR=/srv/documents

# Shared libraries and fonts that WeasyPrint (letters as PDF) needs at run time: the same
# Debian packages `make run` installs (RUN_PACKAGES in the Makefile).  LibreOffice is optional
# (about 260 MB): with it, letters from uploaded Word templates get a PDF too; without it the
# DOCX is stored and offered.  docker-compose build --build-arg WITH_LIBREOFFICE=1
ARG WITH_LIBREOFFICE=0
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && if [ "$WITH_LIBREOFFICE" = "1" ]; then \
        apt-get install -y --no-install-recommends libreoffice-writer-nogui; fi \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system pathway \
 && useradd --system --gid pathway --home-dir /app --no-create-home --shell /usr/sbin/nologin pathway

WORKDIR /app
COPY . /app

# Install the package and its dependencies the way `make run` does (pip, from pyproject.toml),
# then drop the build leftovers.  PYTHONPATH=/app makes gunicorn, celery and the `pathway`
# CLI all import the same copy of the code (/app/app), so Flask's instance folder is
# /app/instance for every process.  The BPMN and form files stay in /app/bpmn and /app/forms.
RUN pip install --no-cache-dir . \
 && rm -rf build ./*.egg-info \
 && mkdir -p /app/instance /srv/documents \
 && chown pathway:pathway /app/instance /srv/documents
ENV PYTHONPATH=/app

USER pathway
EXPOSE 8000

CMD ["gunicorn", "-w", "3", "-b", "0.0.0.0:8000", "--access-logfile", "-", "app:create_app()"]
