# Minimal until step 7 (see issue 8): installs the package and runs the CLI.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY model ./model
COPY service ./service
COPY data ./data
RUN pip install --no-cache-dir -e .
CMD ["launchcast", "data", "summary", "--state", "KP"]
