// Files the API answers to a POST (the BIA composer) are saved through an object URL; files
// answered to a GET are plain links with the `download` attribute (see ui.downloadLink).

export function saveBlob(blob, fileName) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Released once the browser has surely read it; revoking at once can cancel the download.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
