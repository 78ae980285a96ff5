//! gRPC's length-prefixed messages: a compressed flag (0 or 1), a four-byte big-endian length,
//! then the message; the body must end exactly after the last one.

/// One message of the request stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'b> {
    pub compressed: bool,
    pub message: &'b [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// The body ends inside a prefix or a message.
    Truncated,
    /// A flag other than 0 or 1.
    BadFlag,
    /// The compressed flag, where compression is not accepted.
    Compressed,
    TooLarge {
        limit: usize,
    },
    TooMany {
        limit: usize,
    },
}

/// Splits a request body into its messages, within the bounds.
pub fn split(
    body: &[u8],
    max_message_bytes: usize,
    max_messages: usize,
    allow_compressed: bool,
) -> Result<Vec<Frame<'_>>, FrameError> {
    let mut frames = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (prefix, after) = rest.split_at_checked(5).ok_or(FrameError::Truncated)?;
        let (flag, length) = prefix.split_first().ok_or(FrameError::Truncated)?;
        let compressed = match flag {
            0 => false,
            1 if allow_compressed => true,
            1 => return Err(FrameError::Compressed),
            _ => return Err(FrameError::BadFlag),
        };
        let length: [u8; 4] = length.try_into().map_err(|_| FrameError::Truncated)?;
        let length = u32::from_be_bytes(length) as usize;
        if length > max_message_bytes {
            return Err(FrameError::TooLarge {
                limit: max_message_bytes,
            });
        }
        let (message, after) = after
            .split_at_checked(length)
            .ok_or(FrameError::Truncated)?;
        if frames.len() == max_messages {
            return Err(FrameError::TooMany {
                limit: max_messages,
            });
        }
        frames.push(Frame {
            compressed,
            message,
        });
        rest = after;
    }
    Ok(frames)
}
