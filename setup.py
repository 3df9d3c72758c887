"""Packaging beyond pyproject.toml. The Alembic migrations, the module catalog and
the digital equity self-assessment live at the top of the repository
(``migrations/``, ``modules/``, ``equity/``) and ship inside the wheel as
``pdhub/_migrations``, ``pdhub/_catalog`` and ``pdhub/_equity``, so that a plain
``pip install .`` can run ``pdhub db upgrade`` and ``pdhub modules import``.
pyproject.toml cannot map a folder outside a package into it; setuptools'
``package_dir`` can."""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["pdhub*", "badges*", "workers*"]),
        "pdhub._migrations",
        "pdhub._catalog",
        "pdhub._equity",
    ],
    package_dir={
        "pdhub._migrations": "migrations",
        "pdhub._catalog": "modules",
        "pdhub._equity": "equity",
    },
    package_data={
        "pdhub": [
            "templates/**/*",
            "static/**/*",
            "**/*.json",
            "translations/*/LC_MESSAGES/*.po",
            "translations/*/LC_MESSAGES/*.mo",
        ],
        "pdhub._migrations": [
            "README",
            "alembic.ini",
            "script.py.mako",
            "versions/*.py",
        ],
        "pdhub._catalog": ["**/*"],
        "pdhub._equity": ["**/*"],
        "badges": [
            "contexts/*.json",
            "contexts/SOURCES.md",
            "schemas/*.json",
            "schemas/SOURCES.md",
            "py.typed",
        ],
    },
)
