"""``archive backup`` and ``archive restore``: the click face of ``archive/backup.py``."""

from __future__ import annotations

from pathlib import Path

import click

from archive.settings import resolve


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def backup_command(obj, dest: Path) -> None:  # type: ignore[no-untyped-def]
    """Copy the database, its search index and its recordings, consistently, into the new folder DEST.

    It may run while the site serves: the database is copied with SQLite's online backup
    API and the index build it names is copied with it. SQLite databases only.

    \b
    Example:
      archive backup /backups/archive-2026-11-22
    """
    from archive.backup import BackupError, backup, sqlite_path

    settings = resolve(obj.home, obj.database_url)
    try:
        if not sqlite_path(settings.database_url).exists():
            raise BackupError(f"there is no archive in {settings.home} to back up")
        manifest = backup(obj.archive, dest)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    counts = manifest["counts"]
    click.echo(f"backed up {counts['people']} people, {counts['quotes']} quotes and {counts['documents']} "
               f"search documents (index build {manifest['build']}) to {dest} in {manifest['seconds']:.1f} s")
    media = manifest.get("media") or {}
    copied = len(media.get("recordings") or {})
    click.echo(f"copied {copied} recording{'' if copied == 1 else 's'} the archive serves")
    for recording_id in media.get("missing") or []:
        click.echo(f"warning: recording {recording_id}: its file is gone or has changed since the import; the "
                   "backup holds no copy of it (put the file back or import the collection again, then back up "
                   "again)", err=True)


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace the archive that is already in the home.")
@click.pass_obj
def restore_command(obj, src: Path, replace: bool) -> None:  # type: ignore[no-untyped-def]
    """Verify the backup in SRC and make it the archive of the home (database and index).

    The backup is checked first (checksums, SQLite's integrity_check, the index build);
    a damaged one is refused and nothing is changed. Stop the site before restoring.

    \b
    Example:
      archive --home instance restore /backups/archive-2026-11-22 --replace
    """
    from archive.backup import BackupError, restore

    settings = resolve(obj.home, obj.database_url)
    try:
        result = restore(src, settings, replace=replace)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    counts = result.manifest["counts"]
    click.echo(f"restored {counts['people']} people and {counts['quotes']} quotes from {src} "
               f"(backed up {result.manifest['created']}) into {settings.home}")
    if result.check.ok:
        click.echo(f"search index: consistent with the database ({result.check.documents} documents)")
    else:
        for problem in result.check.problems:
            click.echo(f"search index: {problem}", err=True)
        click.echo("the search index disagrees with the database; repair it with: archive reindex", err=True)
        raise SystemExit(1)
