//! The optional photo: read in the browser as a data URL (the browser encodes the base64, so
//! the WebAssembly carries no encoder), then checked by its first bytes and its size.

use js_sys::Promise;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, FileReader};
use wire::{Photo, Problem};

/// The file as a photo to send, or why it cannot be one. A file over the limit is refused
/// before it is read.
pub(crate) async fn read(file: File, max_bytes: u64) -> Result<Photo, Problem> {
    // `size` is a whole number of bytes, a JS number: the cast loses nothing.
    if file.size() as u64 > max_bytes {
        return Err(Problem::PhotoTooLarge);
    }
    let data = data_url(&file).await.ok_or(Problem::PhotoType)?;
    let data = data.split_once(',').map(|(_, data)| data).unwrap_or_default();
    // The type is the bytes', not the name's: a PNG named `.jpg` is sent as the PNG it is.
    let kind = wire::photo::sniff_base64(data).ok_or(Problem::PhotoType)?;
    let photo = Photo { name: file.name(), content_type: kind.to_owned(), data: data.to_owned() };
    match wire::photo::check(&photo, max_bytes) {
        Some(problem) => Err(problem),
        None => Ok(photo),
    }
}

async fn data_url(file: &File) -> Option<String> {
    let reader = FileReader::new().ok()?;
    let done = Promise::new(&mut |resolve, reject| {
        reader.set_onload(Some(&resolve));
        reader.set_onerror(Some(&reject));
    });
    reader.read_as_data_url(file).ok()?;
    JsFuture::from(done).await.ok()?;
    reader.result().ok()?.as_string()
}
